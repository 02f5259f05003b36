// Exact Quantity arithmetic: sums and integer multiples, as `Quantity.Add` and `Quantity.Mul` of
// apimachinery compute them (the result prints in the format of the left operand, or of the right
// one when the left is zero, and never reuses an input text).
//
// Why here: the digits and exponent of a Quantity are internal to this module, and the reconciler's
// status (desired CPU, memory, GPU, TPU of a cluster) adds and multiplies quantities exactly.
//
// Bound: real resource quantities have at most ~28 significant digits (2^63 down to 1n). A result
// whose aligned digits would exceed `maxArithmeticDigits` (only possible with absurd exponents
// such as `1e2000000000`) saturates at 2^63-1, the cap Kubernetes itself applies to values it
// cannot hold exactly, instead of allocating an unbounded digit array.
import JSON

extension Quantity {
    /// Longest digit array an arithmetic result may have before it saturates.
    package static let maxArithmeticDigits = 96

    /// The zero quantity (prints "0"), the neutral start of a sum.
    package static let zero = Quantity(0)

    /// `lhs + rhs`, exact.
    package static func + (lhs: Quantity, rhs: Quantity) -> Quantity {
        let format = lhs.isZero ? rhs.format : lhs.format
        if rhs.isZero { return Quantity(format: format, isNegative: lhs.isNegative, digits: lhs.digits, exponent: lhs.exponent, verbatim: nil) }
        if lhs.isZero { return Quantity(format: format, isNegative: rhs.isNegative, digits: rhs.digits, exponent: rhs.exponent, verbatim: nil) }
        let exponent = min(lhs.exponent, rhs.exponent)
        guard let a = aligned(lhs.digits, lhs.exponent, to: exponent),
              let b = aligned(rhs.digits, rhs.exponent, to: exponent) else { return saturated(format: format, negative: lhs.isNegative) }
        if lhs.isNegative == rhs.isNegative {
            let (digits, shift) = normalize(addDigits(a, b), exponent: exponent)
            return Quantity(format: format, isNegative: lhs.isNegative, digits: digits, exponent: shift, verbatim: nil)
        }
        // Opposite signs: the larger magnitude minus the smaller, with the larger's sign.
        switch compareMagnitude(lhs.digits, lhs.exponent, rhs.digits, rhs.exponent) {
        case .equal:
            return Quantity(format: format, isNegative: false, digits: [], exponent: 0, verbatim: nil)
        case .greater:
            let (digits, shift) = normalize(subtractDigits(a, b), exponent: exponent)
            return Quantity(format: format, isNegative: lhs.isNegative, digits: digits, exponent: shift, verbatim: nil)
        case .less:
            let (digits, shift) = normalize(subtractDigits(b, a), exponent: exponent)
            return Quantity(format: format, isNegative: rhs.isNegative, digits: digits, exponent: shift, verbatim: nil)
        }
    }

    /// `self × factor`, exact (as `Quantity.Mul`).
    package func multiplied(by factor: Int64) -> Quantity {
        if factor == 0 || isZero { return Quantity(format: format, isNegative: false, digits: [], exponent: 0, verbatim: nil) }
        let factorDigits = Array(String(factor.magnitude).utf8).map { $0 &- 0x30 }
        let negative = isNegative != (factor < 0)
        guard digits.count &+ factorDigits.count <= Quantity.maxArithmeticDigits else {
            return Quantity.saturated(format: format, negative: negative)
        }
        let (product, shift) = Quantity.normalize(Quantity.multiplyDigits(digits, factorDigits), exponent: exponent)
        return Quantity(format: format, isNegative: negative, digits: product, exponent: shift, verbatim: nil)
    }

    /// 2^63-1 (or its negative) in `format`.
    static func saturated(format: Format, negative: Bool) -> Quantity {
        let (digits, exponent) = normalize(maxInt64Digits, exponent: 0)
        return Quantity(format: format, isNegative: negative, digits: digits, exponent: exponent, verbatim: nil)
    }

    /// `digits × 10^exponent` written with exponent `target` (≤ exponent): the digits followed by
    /// zeros; nil when that would be longer than `maxArithmeticDigits` (one digit is kept in
    /// reserve for the carry of a sum).
    private static func aligned(_ digits: [UInt8], _ exponent: Int, to target: Int) -> [UInt8]? {
        let (zeros, overflow) = exponent.subtractingReportingOverflow(target)
        guard !overflow, zeros >= 0, digits.count < maxArithmeticDigits, zeros < maxArithmeticDigits &- digits.count else { return nil }
        return digits + [UInt8](repeating: 0, count: zeros)
    }

    /// Sum of two digit arrays (most significant first).
    private static func addDigits(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: max(a.count, b.count) &+ 1)
        var carry: UInt8 = 0
        var i = a.count &- 1
        var j = b.count &- 1
        var k = result.count &- 1
        while k >= 0 {
            var sum = carry
            if i >= 0 { sum &+= a[i] }
            if j >= 0 { sum &+= b[j] }
            result[k] = sum % 10
            carry = sum / 10
            i &-= 1
            j &-= 1
            k &-= 1
        }
        return result
    }

    /// `a − b` for digit arrays with a ≥ b.
    private static func subtractDigits(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var result = a
        var borrow: UInt8 = 0
        var j = b.count &- 1
        var k = a.count &- 1
        while k >= 0 {
            let subtrahend = (j >= 0 ? b[j] : 0) &+ borrow
            if result[k] >= subtrahend {
                result[k] = result[k] &- subtrahend
                borrow = 0
            } else {
                result[k] = result[k] &+ 10 &- subtrahend
                borrow = 1
            }
            j &-= 1
            k &-= 1
        }
        return result
    }

    /// Product of two digit arrays (schoolbook; both at most `maxArithmeticDigits` long).
    private static func multiplyDigits(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var result = [UInt32](repeating: 0, count: a.count &+ b.count)
        for i in stride(from: a.count &- 1, through: 0, by: -1) {
            var carry: UInt32 = 0
            for j in stride(from: b.count &- 1, through: 0, by: -1) {
                let position = i &+ j &+ 1
                let value = result[position] &+ UInt32(a[i]) &* UInt32(b[j]) &+ carry
                result[position] = value % 10
                carry = value / 10
            }
            result[i] = result[i] &+ carry
        }
        return result.map { UInt8($0) }
    }
}
