// OWNER: see Package.swift. Placeholder.
print("json-bench: not implemented yet")
