"""The course's JupyterHub: one machine, real Unix users, one shared environment (as TLJH does).

helpers/classroom/hub.py starts ``jupyterhub -f classroom/jupyterhub_config.py`` as root with these
environment variables (``python3 course.py classroom run`` sets them for you):

COURSE_HUB_PREFIX          where the shared environment lives (/opt/event-loop-course)
COURSE_HUB_IP, _PORT       where students connect (127.0.0.1:8000 to try it; 0.0.0.0 behind TLS)
COURSE_HUB_INTERNAL_PORTS  two free loopback ports: the hub's own API and the proxy's API
COURSE_HUB_STUDENTS        the student accounts, comma-separated (each a Unix user)
COURSE_HUB_PASSWORD        the class password (SharedPasswordAuthenticator: at least 8 characters)
COURSE_HUB_API_TOKEN       a token for the teacher's scripts (start and stop servers, run checks)
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub defines it)

prefix = Path(os.environ.get("COURSE_HUB_PREFIX", "/opt/event-loop-course"))
env = prefix / "env"
ip = os.environ.get("COURSE_HUB_IP", "127.0.0.1")
port = int(os.environ.get("COURSE_HUB_PORT", "8000"))
hub_port, proxy_api_port = (
    int(p) for p in os.environ.get("COURSE_HUB_INTERNAL_PORTS", "8081,8001").split(",")
)
students = {s for s in os.environ.get("COURSE_HUB_STUDENTS", "").split(",") if s}

c.JupyterHub.bind_url = f"http://{ip}:{port}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [
    str(prefix / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy")
]
c.ConfigurableHTTPProxy.should_start = True
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every student's server
c.JupyterHub.db_url = f"sqlite:///{prefix / 'state' / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(prefix / "state" / "jupyterhub_cookie_secret")

# Students log in with their account name and the class password; only listed accounts may.
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = os.environ.get("COURSE_HUB_PASSWORD", "")
c.Authenticator.allowed_users = students

# Each student's JupyterLab runs as their own Unix user, from the shared environment, in their home.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(env / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
# Kernels talk to their server over Unix sockets in the student's own runtime folder, not TCP ports
# on the loopback every student shares: twenty kernels starting at once on TCP picked the same port
# ("Address already in use"; the hub test saw a kernel die so), and a port is open to everyone.
c.Spawner.args = ["--KernelManager.transport=ipc"]
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {
    "PATH": f"{env / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    "MPLBACKEND": "agg",
}
c.Spawner.start_timeout = 120  # 30 servers starting at once on a small machine take a while
c.Spawner.http_timeout = 120

# The teacher's scripts (and the tests) manage servers and reach students' kernels with this token.
token = os.environ.get("COURSE_HUB_API_TOKEN")
if token:
    c.JupyterHub.services = [{"name": "course-admin", "api_token": token}]
    c.JupyterHub.load_roles = [
        {
            "name": "course-admin",
            "scopes": ["admin:users", "admin:servers", "access:servers", "list:users", "read:users"],
            "services": ["course-admin"],
        }
    ]
