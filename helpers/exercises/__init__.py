"""The checkers of the notebooks' exercises, one module per notebook (``nb01`` … ``nb16``).

A notebook's setup imports its module as ``check``; a check cell then reads
``check.polite_download(polite_download)`` (``await`` it when the exercise is
async). Every checker returns a :class:`helpers.checks.Feedback` and never
raises on the learner's behalf. ``check.solution(name)`` shows a solution
folded away. Importing this package imports nothing else.
"""
