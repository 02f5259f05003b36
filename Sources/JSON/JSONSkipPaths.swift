// Members a caller will never read, named by their key path, so the parser can check them without
// building them (JSONValue.parse(_:limits:skipping:)). A Kubernetes AdmissionReview is half made of
// such members (the last-applied annotation, managedFields, userInfo): building them as values was
// most of the cost of a review, reading them was nobody's business.

/// A set of exact key paths from the document root (`["request", "userInfo"]`) whose values the
/// parser validates exactly as usual (syntax, UTF-8, escapes, depth and size limits, same errors at
/// the same offsets) but leaves out of the resulting tree: the result equals the full parse with
/// those members removed.
///
/// Paths go through objects only (a key path never enters an array). A path that is a prefix of
/// another one wins: its whole value is skipped. An empty path is ignored (the root is never
/// skipped).
package struct JSONSkipPaths: Sendable, Equatable {
    /// A trie of keys. Node 0 is the root (the document's top-level object); `skipPath` of a node is
    /// the index, in the paths given to `init`, of the path ending there (-1: not an end).
    struct Node: Sendable, Equatable {
        /// Each child's key with its fingerprint (`StringDigest`), compared first.
        var children: [(key: String, fingerprint: UInt64, node: Int32)] = []
        var skipPath: Int32 = -1

        static func == (a: Node, b: Node) -> Bool {
            a.skipPath == b.skipPath && a.children.elementsEqual(b.children) { $0.key == $1.key && $0.node == $1.node }
        }
    }

    private(set) var nodes: [Node] = [Node()]

    /// The paths as given (the index of a path is what `JSONSkippedValue.path` reports).
    package let paths: [[String]]

    /// No member skipped: the plain parse.
    package static let none = JSONSkipPaths([])

    package init(_ paths: [[String]]) {
        self.paths = paths
        for (index, path) in paths.enumerated() where !path.isEmpty {
            var node = 0
            for key in path {
                if nodes[node].skipPath >= 0 { break }  // a shorter path already skips all below
                if let child = nodes[node].children.first(where: { $0.key == key }) {
                    node = Int(child.node)
                } else {
                    nodes.append(Node())
                    let child = Int32(truncatingIfNeeded: nodes.count &- 1)
                    nodes[node].children.append((key, StringDigest(key).fingerprint, child))
                    node = Int(child)
                }
            }
            if nodes[node].skipPath < 0 {
                nodes[node].skipPath = Int32(truncatingIfNeeded: index)
                nodes[node].children = []  // everything below is skipped with it
            }
        }
    }

    package var isEmpty: Bool { nodes[0].children.isEmpty }

    /// The node reached from `node` by the key with `fingerprint` (made by `key` only when a
    /// child's fingerprint matches), or -1. Nodes have a handful of children at most.
    @inline(__always) func child(of node: Int32, fingerprint: UInt64, key: () -> String) -> Int32 {
        let index = Int(node)
        let count = nodes[index].children.count
        var k = 0
        while k < count {
            if nodes[index].children[k].fingerprint == fingerprint && nodes[index].children[k].key == key() {
                return nodes[index].children[k].node
            }
            k &+= 1
        }
        return -1
    }

    @inline(__always) func skipPath(of node: Int32) -> Int32 { nodes[Int(node)].skipPath }

    package static func == (a: JSONSkipPaths, b: JSONSkipPaths) -> Bool { a.paths == b.paths }
}

/// One member the parser checked and left out: which path (index into `JSONSkipPaths.paths`) and
/// the bytes of its value in the input, for callers that want to compare or decode it themselves.
package struct JSONSkippedValue: Sendable, Equatable {
    package var path: Int
    package var bytes: Range<Int>
    package init(path: Int, bytes: Range<Int>) {
        self.path = path
        self.bytes = bytes
    }
}

/// What a skipping parse returns besides the value.
package struct JSONSkipReport: Sendable, Equatable {
    /// Every skipped member, in document order (a path skipped twice, as a duplicate key or inside
    /// a duplicated parent, is listed twice).
    package var skipped: [JSONSkippedValue] = []
    /// Whether some object of the document had a duplicate key (whose last value won). Skipped
    /// members are left out of this check; a skip path listed twice in `skipped` shows theirs.
    package var hadDuplicateKeys = false
    package init() {}
}
