"""The user's YAML in, typed settings or every problem (file, line, path) out. Reads files only when asked."""
