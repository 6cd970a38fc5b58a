"""One module per adapter: the only code that imports a cloud or vendor SDK."""
