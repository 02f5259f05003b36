/// A connection's share of the server's in-flight memory budget (`InflightBudget`).
///
/// A body with a Content-Length reserves its whole cost (length × `inflightCostFactor`) before a
/// byte of it is read; when the budget has no room the connection stops reading (the client's
/// bytes wait in its socket, `100 Continue` is not sent) until other requests give bytes back, or
/// until the overall body deadline, when it is refused with 503. A body that could never fit is
/// refused at once. A chunked body has no announced size, so it reserves as it grows and is
/// refused as soon as a step does not fit: waiting while holding part of the budget could leave
/// several such requests waiting for each other.
extension Connection {
    /// Reserves the budget for the body `parsed` announces. True: read it now. False: the request
    /// waits (deadline set) or has been refused (response queued).
    func admitBody(_ parsed: HTTPRequestHead) -> Bool {
        let budget = loop.core.budget
        guard budget.isEnabled, !parsed.isChunked, let length = parsed.contentLength, length > 0 else { return true }
        let cost = InflightBudget.cost(ofBody: length, factor: configuration.inflightCostFactor)
        guard cost <= budget.capacity else {
            loop.core.stats.budgetRefusals.add(1, ordering: .relaxed)
            respondUnavailable("a request body of \(length) bytes needs \(cost) bytes of memory while in flight, "
                + "more than the server's whole in-flight memory budget of \(budget.capacity) bytes (max-inflight-bytes)")
            return false
        }
        if budget.reserve(cost, small: length <= configuration.smallBodyBytes) {
            reservedBytes = cost
            return true
        }
        current.awaitingBudget = cost
        budget.waiters.add(1, ordering: .relaxed)
        loop.core.stats.budgetWaits.add(1, ordering: .relaxed)
        deadline = current.bodyClock.waitingDeadline(configuration)
        return false
    }

    /// Tries again to reserve what this waiting request needs; reads its body when it fits.
    func retryBudget() {
        guard state == .readingBody, let request, request.awaitingBudget > 0 else { return }
        let small = (head?.contentLength ?? Int.max) <= configuration.smallBodyBytes
        guard loop.core.budget.reserve(request.awaitingBudget, small: small) else { return }
        reservedBytes = request.awaitingBudget
        stopWaitingForBudget()
        startReadingBody()
        drive()
    }

    /// The request no longer waits (admitted, answered or closed).
    func stopWaitingForBudget() {
        guard let request, request.awaitingBudget > 0 else { return }
        request.awaitingBudget = 0
        loop.core.budget.waiters.subtract(1, ordering: .relaxed)
    }

    /// The overall deadline passed while waiting: 503, naming the limit.
    func budgetWaitTimedOut() {
        let budget = loop.core.budget
        let needed = request?.awaitingBudget ?? 0
        loop.core.stats.budgetRefusals.add(1, ordering: .relaxed)
        respondUnavailable("the server's in-flight memory budget of \(budget.capacity) bytes (max-inflight-bytes) "
            + "had no room for this request's \(needed) bytes within the request body timeout; retry later")
    }

    /// A chunked body grew: make the reservation cover it. False when the budget has no room
    /// (the 503 is queued).
    func reserveForChunkedBody() -> Bool {
        let budget = loop.core.budget
        guard budget.isEnabled, let request else { return true }
        let factor = configuration.inflightCostFactor
        let needed = InflightBudget.cost(ofBody: request.body.count, factor: factor)
        guard needed > reservedBytes else { return true }
        // Steps of at least 256 KiB of body, so a chunked body does not touch the atomic per chunk.
        let step = max(needed &- reservedBytes, InflightBudget.cost(ofBody: 256 * 1024, factor: factor))
        if budget.reserve(step) {
            reservedBytes &+= step
            return true
        }
        loop.core.stats.budgetRefusals.add(1, ordering: .relaxed)
        respondUnavailable("the server's in-flight memory budget of \(budget.capacity) bytes (max-inflight-bytes) "
            + "has no room for this chunked request body (\(request.body.count) bytes so far); retry later")
        return false
    }

    /// Gives the reservation back (response written, or connection closed).
    func releaseReservation() {
        guard reservedBytes > 0 else { return }
        let budget = loop.core.budget
        budget.release(reservedBytes)
        loop.core.noteReleased(bytes: reservedBytes)
        reservedBytes = 0
        if budget.waiters.load(ordering: .relaxed) > 0 { loop.budgetRetryPending = true }
    }
}
