"""Built-in stand-ins for images tinykube cannot pull; each runs as a script, stdlib only."""
