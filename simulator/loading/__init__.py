"""From files to scenarios: safe YAML with locations, the checks, and the loader.

Every problem is located (file, line, column, location in the document) and collected
before anything is built; the runtime never imports this layer.
"""
