// OWNER: see Package.swift. Placeholder.
print("crd-gen: not implemented yet")
