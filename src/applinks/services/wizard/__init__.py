"""The create-link wizard: ``model`` (requests and results), ``service`` (``WizardService``), ``two_way``
(OAuth 1.0a on both ends), ``oauth2`` (OAuth 2.0 links on both ends, or this end's half and the steps for the
rest) and ``generic`` (hand-entered OAuth details for non-applinks applications)."""
