"""The environment JupyterHub gives a service it starts (``askdb serve`` reads it)."""

HUB_ENV = {
    "JUPYTERHUB_SERVICE_PREFIX": "/services/askdb/",
    "JUPYTERHUB_API_TOKEN": "secret",
    "JUPYTERHUB_API_URL": "http://127.0.0.1:8081/hub/api",
    "JUPYTERHUB_SERVICE_URL": "http://10.0.0.5:10101",
}
