/// A map with a fixed capacity that forgets the least recently used entry when full: the event
/// recorder's per-object spam buckets and its event series. O(1) per operation (a hash map into a
/// doubly linked list kept in arrays).
struct LRUCache<Key: Hashable, Value> {
    private struct Node {
        var key: Key
        var value: Value
        var newer: Int
        var older: Int
    }

    let capacity: Int
    private var nodes: [Node] = []
    private var index: [Key: Int] = [:]
    private var free: [Int] = []
    /// Most and least recently used node, or -1 when empty.
    private var newest = -1
    private var oldest = -1

    init(capacity: Int) { self.capacity = max(1, capacity) }

    var count: Int { index.count }

    /// The value, marking it most recently used.
    mutating func get(_ key: Key) -> Value? {
        guard let i = index[key] else { return nil }
        moveToNewest(i)
        return nodes[i].value
    }

    /// The value without touching its recency.
    func peek(_ key: Key) -> Value? { index[key].map { nodes[$0].value } }

    /// Stores the value as most recently used; answers the entry evicted to make room, if any.
    @discardableResult
    mutating func set(_ key: Key, _ value: Value) -> (key: Key, value: Value)? {
        if let i = index[key] {
            nodes[i].value = value
            moveToNewest(i)
            return nil
        }
        var evicted: (Key, Value)?
        if index.count >= capacity, oldest >= 0 {
            let victim = oldest
            evicted = (nodes[victim].key, nodes[victim].value)
            unlink(victim)
            index[nodes[victim].key] = nil
            free.append(victim)
        }
        let node = Node(key: key, value: value, newer: -1, older: newest)
        let i: Int
        if let reused = free.popLast() {
            nodes[reused] = node
            i = reused
        } else {
            nodes.append(node)
            i = nodes.count &- 1
        }
        if newest >= 0 { nodes[newest].newer = i }
        newest = i
        if oldest < 0 { oldest = i }
        index[key] = i
        return evicted
    }

    @discardableResult
    mutating func remove(_ key: Key) -> Value? {
        guard let i = index.removeValue(forKey: key) else { return nil }
        unlink(i)
        free.append(i)
        return nodes[i].value
    }

    /// Keys from least to most recently used.
    var keysByAge: [Key] {
        var keys: [Key] = []
        keys.reserveCapacity(index.count)
        var i = oldest
        while i >= 0 {
            keys.append(nodes[i].key)
            i = nodes[i].newer
        }
        return keys
    }

    private mutating func moveToNewest(_ i: Int) {
        guard i != newest else { return }
        unlink(i)
        nodes[i].older = newest
        nodes[i].newer = -1
        if newest >= 0 { nodes[newest].newer = i }
        newest = i
        if oldest < 0 { oldest = i }
    }

    private mutating func unlink(_ i: Int) {
        let newer = nodes[i].newer, older = nodes[i].older
        if newer >= 0 { nodes[newer].older = older } else { newest = older }
        if older >= 0 { nodes[older].newer = newer } else { oldest = newer }
        nodes[i].newer = -1
        nodes[i].older = -1
    }
}
