/** The AskDB icon, shown on the side-bar tab and in the command palette. */
import { LabIcon } from '@jupyterlab/ui-components';

// A database cylinder with a speech bubble; `jp-icon3` lets the theme colour it.
const ASKDB_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M10 2C5.6 2 2 3.3 2 5v12c0 1.7 3.6 3 8 3 .7 0 1.3 0 2-.1v-2c-.7.1-1.3.1-2 .1-3.9 0-6-1.1-6-1v-2.6c1.5.8 3.7 1.1 6 1.1.7 0 1.3 0 2-.1v-2c-.7.1-1.3.1-2 .1-3.9 0-6-1.1-6-1.5V8.6C5.5 9.5 7.7 10 10 10s4.5-.5 6-1.4V10h2V5c0-1.7-3.6-3-8-3zm0 6C6.1 8 4 6.9 4 5s2.1-1 6-1 6 .6 6 1-2.1 3-6 3z"/>
    <path d="M14 12h8a1 1 0 0 1 1 1v6a1 1 0 0 1-1 1h-4l-3 2.5V20h-1a1 1 0 0 1-1-1v-6a1 1 0 0 1 1-1z"/>
  </g>
</svg>`;

export const askdbIcon = new LabIcon({ name: 'askdb:logo', svgstr: ASKDB_SVG });
