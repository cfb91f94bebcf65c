/// The declared resolution of a series: the smallest step its values take, as `mantissa × 10^exponent`.
///
/// A decimal representation keeps quantisation exact: a value quantised to 0.1 decodes as
/// `213 / 10`, which is the double nearest to 21.3, the same double the literal `21.3` gives.
package struct Resolution: Hashable, Sendable {
    /// The integer part of the step, at least 1.
    package let mantissa: UInt32
    /// The decimal exponent of the step, in `Resolution.exponentRange`.
    package let exponent: Int8

    /// The exponents a resolution may have: 1e-12 to 1e12.
    package static let exponentRange: ClosedRange<Int8> = -12...12

    /// The largest number of steps a value is quantised to (2^40). Beyond it a double's rounding in
    /// `value × 10^k` could move the value by a noticeable part of a step, so larger magnitudes
    /// travel as raw doubles and stay exact.
    static let quantisedStepLimit: Int64 = 1 << 40

    /// Creates a resolution of `mantissa × 10^exponent`; nil when out of range.
    package init?(mantissa: UInt32, exponent: Int8) {
        guard mantissa >= 1, Self.exponentRange.contains(exponent) else { return nil }
        // Canonical form: the smallest mantissa, so equal steps compare equal.
        var mantissa = mantissa
        var exponent = exponent
        while mantissa % 10 == 0, exponent < Self.exponentRange.upperBound {
            mantissa /= 10
            exponent += 1
        }
        self.mantissa = mantissa
        self.exponent = exponent
        stepLimit = Double(min(Self.quantisedStepLimit, (1 << 53) / Int64(mantissa)))
    }

    /// The most steps a quantised value may have: `quantised × mantissa` must stay exact in a double.
    let stepLimit: Double

    /// Creates the resolution nearest to a step such as 0.1, 0.01, 0.25 or 1; nil when the step is
    /// not positive, not finite, or needs more than nine significant digits.
    package init?(_ step: Double) {
        guard step.isFinite, step > 0 else { return nil }
        for exponent in Self.exponentRange {
            let scaled = exponent < 0 ? step * powerOfTen(Int(-exponent)) : step / powerOfTen(Int(exponent))
            let rounded = scaled.rounded()
            guard rounded >= 1, rounded <= 999_999_999 else { continue }
            if abs(scaled - rounded) <= 1e-6 {
                self.init(mantissa: UInt32(rounded), exponent: exponent)
                return
            }
        }
        return nil
    }

    /// Parses a decimal step such as `0.1`, `0.01`, `5`, `1e-3` or `0.004294967295`, digit for
    /// digit: every resolution a binary frame can carry (a mantissa up to 4294967295) reads back
    /// from its text exactly, so a frame goes through JSON and back unchanged.
    package init?(parsing text: String) {
        var digits: [UInt8] = []
        var exponent = 0
        var index = text.utf8.startIndex
        let bytes = text.utf8
        var seenPoint = false
        var seenDigit = false
        while index < bytes.endIndex {
            let byte = bytes[index]
            if (0x30...0x39).contains(byte) {
                seenDigit = true
                if !(digits.isEmpty && byte == 0x30) { digits.append(byte - 0x30) }
                if seenPoint { exponent -= 1 }
            } else if byte == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else {
                break
            }
            index = bytes.index(after: index)
            guard digits.count <= 40, exponent > -40 else { return nil }
        }
        guard seenDigit else { return nil }
        if index < bytes.endIndex {
            guard bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E"),
                let power = Int(text[text.utf8.index(after: index)...]),
                (-40...40).contains(power)
            else { return nil }
            exponent += power
        }
        while digits.last == 0 {
            digits.removeLast()
            exponent += 1
        }
        var mantissa: UInt64 = 0
        for digit in digits {
            mantissa = mantissa * 10 + UInt64(digit)
            guard mantissa <= UInt64(UInt32.max) else { return nil }
        }
        guard mantissa >= 1, let small = Int8(exactly: exponent) else { return nil }
        self.init(mantissa: UInt32(mantissa), exponent: small)
    }

    /// The step as a double.
    package var step: Double {
        exponent < 0
            ? Double(mantissa) / powerOfTen(Int(-exponent)) : Double(mantissa) * powerOfTen(Int(exponent))
    }

    /// The quantised integer of `value`, or nil when `value` cannot be represented exactly at this
    /// resolution (not finite, or too large for a double to hold the product exactly).
    func quantise(_ value: Double, scale: Double, mantissaDouble: Double) -> Int64? {
        let scaled = exponent < 0 ? value * scale : value / scale
        let steps = mantissa == 1 ? scaled.rounded() : (scaled / mantissaDouble).rounded()
        // Also rejects NaN and infinities: comparisons with NaN are false.
        guard abs(steps) <= stepLimit else { return nil }
        return Int64(steps)
    }

    /// The whole number of steps nearest to `value`; nil when it cannot be held exactly (not
    /// finite, or too many steps for a double).
    package func steps(of value: Double) -> Int64? { quantise(value, scale: scale, mantissaDouble: Double(mantissa)) }

    /// The value `steps` steps stand for.
    package func value(ofSteps steps: Int64) -> Double { value(of: steps, scale: scale) }

    /// The power of ten this resolution scales by, `10^|exponent|`.
    var scale: Double { powerOfTen(Int(exponent.magnitude)) }

    /// The value a quantised integer stands for.
    func value(of quantised: Int64, scale: Double) -> Double {
        let product = Double(quantised &* Int64(mantissa))
        return exponent < 0 ? product / scale : product * scale
    }
}

extension Resolution: CustomStringConvertible {
    /// The step in decimal notation: `0.1`, `25`, `0.005`, `1e+06`-free.
    package var description: String {
        let digits = String(mantissa)
        if exponent >= 0 {
            return digits + String(repeating: "0", count: Int(exponent))
        }
        let fraction = Int(-exponent)
        if digits.count > fraction {
            let split = digits.index(digits.endIndex, offsetBy: -fraction)
            return digits[..<split] + "." + digits[split...]
        }
        return "0." + String(repeating: "0", count: fraction - digits.count) + digits
    }
}

/// 10^n for 0 ≤ n ≤ 22, where every power of ten is exact in a double.
func powerOfTen(_ n: Int) -> Double {
    var result = 1.0
    for _ in 0..<n { result *= 10 }
    return result
}
