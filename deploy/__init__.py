"""The production recipe's files (``deploy/nginx/``) and the tools that fill
them in and run them (``deploy/proxy.py``)."""
