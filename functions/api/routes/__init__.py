"""The API's routes, one module per resource; each builds a blueprint over the platform."""
