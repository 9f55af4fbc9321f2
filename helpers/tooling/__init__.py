"""What builds and checks the course, not what a notebook imports.

- ``nav``: the navigation cells and the course map (``make nav``).
- ``slides``: offline reveal.js decks and the reading edition (``make slides`` / ``make html``).
- ``translations``: the Korean edition from gettext catalogs (``make translations``).

A learner never needs these: the notebooks import from ``helpers`` itself.
"""
