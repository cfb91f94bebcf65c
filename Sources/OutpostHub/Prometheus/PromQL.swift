/// The part of PromQL the hub answers (docs/hub.md, "Grafana"): selectors with `=`, `!=`, `=~`,
/// `!~`; `avg|min|max|sum|count|last_over_time` and `rate`/`increase` over a range; `timestamp`, `time()`;
/// `sum|avg|min|max|count` with `by (…)`; arithmetic with numbers. Anything else is refused by
/// name (`PromQLError`), never answered with other numbers.
package indirect enum PromQL: Sendable, Hashable {
    case number(Double)
    /// An instant vector: the newest sample of each matching series within the lookback.
    case selector(Selector)
    /// `selector[range]`: only as a function's argument.
    case range(Selector, nanoseconds: Int64)
    case function(Function, PromQL)
    /// `timestamp(selector)`: the time, in seconds, of each series' newest sample in the lookback.
    case timestamp(Selector)
    /// `time()`: the evaluation time in seconds.
    case time
    case aggregate(Aggregation, by: [String], PromQL)
    case binary(Operator, PromQL, PromQL)
    case negate(PromQL)

    /// A series selector: a metric name and label matchers.
    package struct Selector: Sendable, Hashable {
        package var matchers: [Matcher]
    }

    /// One label matcher.
    package struct Matcher: Sendable, Hashable {
        package enum Kind: String, Sendable, Hashable {
            case equal = "=", notEqual = "!=", matches = "=~", notMatches = "!~"
        }
        package var label: String
        package var kind: Kind
        package var value: String
    }

    package enum Function: String, Sendable, Hashable, CaseIterable {
        case avgOverTime = "avg_over_time", minOverTime = "min_over_time", maxOverTime = "max_over_time"
        case sumOverTime = "sum_over_time", countOverTime = "count_over_time", lastOverTime = "last_over_time"
        case rate, increase
    }

    package enum Aggregation: String, Sendable, Hashable, CaseIterable {
        case sum, avg, min, max, count
    }

    package enum Operator: String, Sendable, Hashable {
        case add = "+", subtract = "-", multiply = "*", divide = "/"
    }

    /// Parses `text`; the error names what is not supported, or where the text is wrong.
    package init(parsing text: String) throws(PromQLError) {
        guard text.utf8.count <= Self.maxLength else {
            throw PromQLError("the query is longer than \(Self.maxLength) bytes")
        }
        var parser = PromQLParser(tokens: try PromQLLexer.tokens(of: text))
        let expression = try parser.expression()
        guard parser.atEnd else { throw PromQLError("unexpected \(parser.current) after the expression") }
        self = expression
    }

    /// The longest query taken.
    static let maxLength = 16_384
}

/// What is wrong with a query, in Prometheus's `bad_data` error.
package struct PromQLError: Error, Sendable, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}

/// Recursive descent over `PromQLLexer`'s tokens; depth-limited, so no query exhausts the stack.
struct PromQLParser {
    let tokens: [PromQLLexer.Token]
    var index = 0
    var depth = 0

    init(tokens: [PromQLLexer.Token]) { self.tokens = tokens }

    var atEnd: Bool { index >= tokens.count }
    var current: String { atEnd ? "the end" : "'\(tokens[index].text)'" }

    mutating func expression() throws(PromQLError) -> PromQL {
        depth += 1
        defer { depth -= 1 }
        guard depth <= 64 else { throw PromQLError("the query nests deeper than 64 levels") }
        var left = try term()
        while let op = peekOperator(["+", "-"]) {
            index += 1
            left = try Self.combine(op, left, try term())
        }
        return left
    }

    private mutating func term() throws(PromQLError) -> PromQL {
        var left = try unary()
        while let op = peekOperator(["*", "/"]) {
            index += 1
            left = try Self.combine(op, left, try unary())
        }
        if !atEnd, tokens[index].kind == .operator, !["+", "-", "*", "/"].contains(tokens[index].text) {
            throw PromQLError("the operator '\(tokens[index].text)' is not supported (only + - * / with a number)")
        }
        return left
    }

    private mutating func unary() throws(PromQLError) -> PromQL {
        if peekOperator(["-"]) != nil {
            index += 1
            return .negate(try unary())
        }
        if peekOperator(["+"]) != nil { index += 1 }
        return try primary()
    }

    private mutating func primary() throws(PromQLError) -> PromQL {
        guard !atEnd else { throw PromQLError("the query ends where an expression should be") }
        let token = tokens[index]
        switch token.kind {
        case .number(let value):
            index += 1
            return .number(value)
        case .punctuation where token.text == "(":
            index += 1
            let inner = try expression()
            try expect(")")
            return inner
        case .punctuation where token.text == "{":
            return try selectorWithRange(name: nil)
        case .identifier:
            index += 1
            let name = token.text
            if let aggregation = PromQL.Aggregation(rawValue: name) { return try aggregate(aggregation) }
            if let function = PromQL.Function(rawValue: name) { return try call(function) }
            if name == "timestamp" { return try timestamp() }
            if name == "time" {
                try expect("(")
                try expect(")")
                return .time
            }
            if Self.refusedKeywords.contains(name) {
                throw PromQLError("'\(name)' is not supported")
            }
            if !atEnd, tokens[index].text == "(" { throw PromQLError("the function '\(name)' is not supported") }
            return try selectorWithRange(name: name)
        default:
            throw PromQLError("unexpected '\(token.text)'")
        }
    }

    /// Words PromQL knows and the hub does not answer.
    static let refusedKeywords: Set<String> = [
        "without", "offset", "bool", "and", "or", "unless", "on", "ignoring", "group_left", "group_right", "topk",
        "bottomk", "quantile", "stddev", "stdvar", "count_values", "group",
    ]

    private mutating func aggregate(_ aggregation: PromQL.Aggregation) throws(PromQLError) -> PromQL {
        var labels = try groupingIfAny()
        try expect("(")
        let inner = try expression()
        try expect(")")
        if labels == nil { labels = try groupingIfAny() }
        if case .range = inner { throw PromQLError("\(aggregation.rawValue) takes an instant vector, not a range") }
        return .aggregate(aggregation, by: labels ?? [], inner)
    }

    private mutating func groupingIfAny() throws(PromQLError) -> [String]? {
        guard !atEnd, tokens[index].kind == .identifier else { return nil }
        if tokens[index].text == "without" { throw PromQLError("'without' is not supported; use 'by'") }
        guard tokens[index].text == "by" else { return nil }
        index += 1
        try expect("(")
        var labels: [String] = []
        while !atEnd, tokens[index].text != ")" {
            guard tokens[index].kind == .identifier else { throw PromQLError("expected a label name in by (…)") }
            labels.append(tokens[index].text)
            index += 1
            if !atEnd, tokens[index].text == "," { index += 1 }
        }
        try expect(")")
        return labels
    }

    private mutating func timestamp() throws(PromQLError) -> PromQL {
        try expect("(")
        let argument = try expression()
        try expect(")")
        guard case .selector(let selector) = argument else {
            throw PromQLError("timestamp takes a series selector such as name{gateway=\"a\"}")
        }
        return .timestamp(selector)
    }

    private mutating func call(_ function: PromQL.Function) throws(PromQLError) -> PromQL {
        try expect("(")
        let argument = try expression()
        try expect(")")
        guard case .range = argument else {
            throw PromQLError("\(function.rawValue) takes a range vector such as name[5m]")
        }
        return .function(function, argument)
    }

    private mutating func selectorWithRange(name: String?) throws(PromQLError) -> PromQL {
        var matchers: [PromQL.Matcher] = name.map { [PromQL.Matcher(label: "__name__", kind: .equal, value: $0)] } ?? []
        if !atEnd, tokens[index].text == "{" {
            index += 1
            while !atEnd, tokens[index].text != "}" {
                matchers.append(try matcher())
                if !atEnd, tokens[index].text == "," { index += 1 }
            }
            try expect("}")
        }
        guard matchers.contains(where: { $0.kind == .equal || $0.kind == .matches }) || name != nil else {
            throw PromQLError("a selector needs a metric name or a label matcher that is not empty-matching")
        }
        let selector = PromQL.Selector(matchers: matchers)
        guard !atEnd, tokens[index].text == "[" else {
            if !atEnd, tokens[index].kind == .identifier, tokens[index].text == "offset" {
                throw PromQLError("'offset' is not supported")
            }
            return .selector(selector)
        }
        index += 1
        guard !atEnd, case .duration(let nanoseconds) = tokens[index].kind else {
            throw PromQLError("expected a duration such as 5m inside [ ]")
        }
        index += 1
        if !atEnd, tokens[index].text == ":" { throw PromQLError("subqueries are not supported") }
        try expect("]")
        return .range(selector, nanoseconds: nanoseconds)
    }

    private mutating func matcher() throws(PromQLError) -> PromQL.Matcher {
        guard !atEnd, tokens[index].kind == .identifier else { throw PromQLError("expected a label name") }
        let label = tokens[index].text
        index += 1
        guard !atEnd, let kind = PromQL.Matcher.Kind(rawValue: tokens[index].text) else {
            throw PromQLError("expected =, !=, =~ or !~ after '\(label)'")
        }
        index += 1
        guard !atEnd, case .string(let value) = tokens[index].kind else {
            throw PromQLError("expected a quoted value after '\(label)\(kind.rawValue)'")
        }
        index += 1
        return PromQL.Matcher(label: label, kind: kind, value: value)
    }

    private mutating func expect(_ text: String) throws(PromQLError) {
        guard !atEnd, tokens[index].text == text else { throw PromQLError("expected '\(text)', found \(current)") }
        index += 1
    }

    private func peekOperator(_ texts: Set<String>) -> PromQL.Operator? {
        guard !atEnd, tokens[index].kind == .operator, texts.contains(tokens[index].text) else { return nil }
        return PromQL.Operator(rawValue: tokens[index].text)
    }

    /// `left op right`, with at least one side a number: the hub does not match vectors.
    private static func combine(_ op: PromQL.Operator, _ left: PromQL, _ right: PromQL) throws(PromQLError) -> PromQL {
        if case .range = left { throw PromQLError("arithmetic on a range vector is not supported") }
        if case .range = right { throw PromQLError("arithmetic on a range vector is not supported") }
        guard left.isScalar || right.isScalar else {
            throw PromQLError("arithmetic between two vectors (vector matching) is not supported")
        }
        return .binary(op, left, right)
    }
}

extension PromQL {
    /// Whether the expression is a number whatever the data.
    var isScalar: Bool {
        switch self {
        case .number, .time: true
        case .negate(let inner): inner.isScalar
        case .binary(_, let left, let right): left.isScalar && right.isScalar
        default: false
        }
    }
}
