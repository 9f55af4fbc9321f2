import os

# The tests always use the lab server, whatever the developer's shell says.
os.environ.pop("COURSE_BASE_URL", None)
# Kernels started by the notebook tests inherit this environment: they must get
# Jupyter's inline backend (a plot is an image output), not a headless one.
os.environ.pop("MPLBACKEND", None)
