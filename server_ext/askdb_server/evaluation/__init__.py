"""``askdb eval``: execution accuracy of a model on questions with gold SQL.

``dataset`` reads Spider's layout, ``models`` holds the models that can be measured,
``runner`` generates and runs the queries, ``compare`` decides whether two results match,
``shapes`` classifies gold queries, ``report`` prints the summary, ``project`` evaluates on a
project's approved pairs and ``command`` is the command line. Nothing is imported here, so
that ``askdb --help`` stays fast.
"""
