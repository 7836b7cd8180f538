"""The production recipe's files (``cms/deploy/nginx/``) and the tools that fill
them in and run them (``cms/deploy/proxy.py``)."""
