"""Live Zerops JSON schemas (zerops.yaml, import.yaml): fetch and cache, enums, validation."""
