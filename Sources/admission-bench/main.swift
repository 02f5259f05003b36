// OWNER: see Package.swift. Placeholder.
print("admission-bench: not implemented yet")
