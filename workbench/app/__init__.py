"""The review app's steps as plain Python, shared by the widgets, the notebooks and the report.

Each module is one step of a review, returning the project's own result types and never
importing ipywidgets: ``browse`` (open a model with its data and predictions, pick examples),
``compare`` (Captum and LIME side by side, global importance), ``findings`` (the audit as the app
runs it, in plain words, and mitigation), ``decisions`` (reviewer records), ``export`` (the
report file), ``modelcard`` (the model card as sections), ``catalog`` (the models a served app
lists), ``served_kernel`` (a served kernel's internals go to the server's log) and ``pipeline`` (the
report command: the same steps run from a model spec).
"""
