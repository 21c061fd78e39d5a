"""OAuth 2.0 application links over Authlib: the authorization server (``server``), bearer tokens to users
(``resource``), the models Authlib's grants read (``models``). Framework-free: the web layer adapts."""
