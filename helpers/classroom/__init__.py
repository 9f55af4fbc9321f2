"""What serves a classroom, not a learner: the hub, the graded edition, crowd runs, distribution.

A notebook never imports from here. ``helpers.classroom.solved`` pastes the reference solutions
into a notebook's exercise cells (as a student who did them would) and reads the check cells'
verdicts; ``crowd`` runs many solved notebooks at once and counts those verdicts; ``hub`` sets up
and runs a JupyterHub for a class; ``grading`` builds the nbgrader edition; ``puller`` builds
nbgitpuller links. Importing this package has no side effects.
"""
