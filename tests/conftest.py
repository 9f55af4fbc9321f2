import os

os.environ.setdefault("MPLBACKEND", "Agg")
# The tests always use the lab server, whatever the developer's shell says.
os.environ.pop("COURSE_BASE_URL", None)
