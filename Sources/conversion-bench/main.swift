// OWNER: see Package.swift. Placeholder.
print("conversion-bench: not implemented yet")
