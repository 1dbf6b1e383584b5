// plotly.js-basic-dist-min ships no types; plot.ts states the little it uses.
declare module 'plotly.js-basic-dist-min';
