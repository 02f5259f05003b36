/// A token bucket per object: `burst` events at once, then one more per `refillInterval` seconds.
/// Kept for the `capacity` most recently seen objects (a forgotten object starts with a full
/// bucket again). An operator stuck in a loop on one cluster cannot flood the Events of the
/// namespace, nor crowd out events about other objects.
struct EventSpamFilter {
    private struct Bucket {
        var tokens: Double
        var last: Double
    }

    let burst: Int
    let refillInterval: Double
    private var buckets: LRUCache<EventReference.Identity, Bucket>

    init(burst: Int, refillInterval: Double, capacity: Int) {
        self.burst = max(1, burst)
        self.refillInterval = refillInterval > 0 ? refillInterval : 1
        buckets = LRUCache(capacity: capacity)
    }

    /// Takes a token for `object` at monotonic time `now`; false when it has none left.
    mutating func allow(_ object: EventReference.Identity, now: Double) -> Bool {
        var bucket = buckets.get(object) ?? Bucket(tokens: Double(burst), last: now)
        let elapsed = max(0, now - bucket.last)
        bucket.tokens = min(Double(burst), bucket.tokens + elapsed / refillInterval)
        bucket.last = now
        let allowed = bucket.tokens >= 1
        if allowed { bucket.tokens -= 1 }
        buckets.set(object, bucket)
        return allowed
    }

    var trackedObjects: Int { buckets.count }
}
