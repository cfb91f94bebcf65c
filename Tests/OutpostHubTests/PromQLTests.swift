import OutpostTestSupport
import OutpostWire
import Testing

@testable import OutpostHub

@Suite("PromQL: the subset the hub answers, and what it refuses by name")
struct PromQLTests {
    @Test("Selectors, functions over ranges, aggregations and arithmetic parse as written")
    func parses() throws {
        let selector = PromQL.Selector(matchers: [
            .init(label: "__name__", kind: .equal, value: "room_temperature"),
            .init(label: "gateway", kind: .matches, value: "gw-.*"),
        ])
        #expect(try PromQL(parsing: #"room_temperature{gateway=~"gw-.*"}"#) == .selector(selector))
        #expect(
            try PromQL(parsing: #"avg by (gateway) (rate(pulses_total{series!="x"}[5m])) * 60"#)
                == .binary(
                    .multiply,
                    .aggregate(
                        .avg, by: ["gateway"],
                        .function(
                            .rate,
                            .range(
                                .init(matchers: [
                                    .init(label: "__name__", kind: .equal, value: "pulses_total"),
                                    .init(label: "series", kind: .notEqual, value: "x"),
                                ]), nanoseconds: 300_000_000_000))), .number(60)))
        #expect(
            try PromQL(parsing: "sum(x) by (series)")
                == .aggregate(
                    .sum, by: ["series"],
                    .selector(.init(matchers: [.init(label: "__name__", kind: .equal, value: "x")]))))
        #expect(try PromQL(parsing: "-(1 + 2) / 4").isScalar)
        #expect(
            try PromQL(parsing: "max_over_time(x[1h30m])")
                == .function(
                    .maxOverTime,
                    .range(
                        .init(matchers: [.init(label: "__name__", kind: .equal, value: "x")]),
                        nanoseconds: 5_400_000_000_000)))
    }

    @Test("What is not supported is refused with its name, never answered otherwise")
    func refuses() {
        let cases: [(String, String)] = [
            ("topk(3, x)", "'topk'"), ("x offset 5m", "'offset'"), ("x @ 100", "@"), ("x > 3", "'>'"),
            ("x % 2", "'%'"), ("a + b", "vector matching"), ("sum without (a) (x)", "'without'"),
            ("rate(x)", "range vector"), ("x[5m:1m]", ""),
            ("histogram_quantile(0.9, x)", "'histogram_quantile'"), ("x and y", "'and'"),
            ("{}", "a selector needs"), (#"{gateway!="a"}"#, "a selector needs"), ("x{", ""),
            (#"x{a="b"#, "not closed"),
            ("x[99999999999999y]", "duration"), ("sum(x[5m])", "range"), ("", "ends"),
            (String(repeating: "(", count: 100) + "1" + String(repeating: ")", count: 100), "64 levels"),
            (String(repeating: "x+", count: 9_000) + "x", "longer than"),
            (#"x{a=~"(a+)+$"}"#, ""),  // parsed: refused when evaluated (nested quantifiers)
        ]
        for (query, named) in cases {
            do {
                let parsed = try PromQL(parsing: query)
                if query.contains("(a+)+") {
                    guard case .selector(let selector) = parsed else { Issue.record("not a selector"); continue }
                    #expect(throws: PromQLError.self) {
                        _ = try selector.matchers.map(PrometheusSeries.Matcher.init)
                    }
                    continue
                }
                Issue.record("accepted: \(query.prefix(60))")
            } catch {
                #expect(named.isEmpty || error.description.contains(named), "\(query.prefix(40)): \(error)")
            }
        }
    }

    @Test("Metric names: every character Prometheus does not allow becomes _, a leading digit gets one")
    func metricNames() {
        #expect(PrometheusSeries.metricName("room.temperature") == "room_temperature")
        #expect(PrometheusSeries.metricName("3phase/L1 voltage") == "_3phase_L1_voltage")
        #expect(PrometheusSeries.metricName("ünits:ok") == "__nits:ok")
        #expect(PrometheusSeries.metricName("") == "_")
    }

    @Test("Durations and times from outside: bounds, garbage and overflow are refused")
    func parameters() throws {
        #expect(PromQLLexer.duration("1h30m") == 5_400_000_000_000)
        #expect(PromQLLexer.duration("250ms") == 250_000_000)
        for bad in ["", "5", "m", "5x", "-5m", "99999999999999y", "9223372036854775807s"] {
            #expect(PromQLLexer.duration(bad) == nil, "\(bad)")
        }
        let parameters = PrometheusParameters(
            query: "time=1e300&start=NaN&end=2026-12-04T05:00:00Z&step=0&q=a+b%2Bc&match%5B%5D=x&match%5B%5D=y")
        #expect(throws: PrometheusParameters.Problem.self) { try parameters.time("time") }
        #expect(throws: PrometheusParameters.Problem.self) { try parameters.time("start") }
        #expect(try parameters.time("end") == TimeArgument.parseRFC3339("2026-12-04T05:00:00Z"))
        #expect(throws: PrometheusParameters.Problem.self) { try parameters.step() }
        #expect(parameters.first("q") == "a b+c", "+ is a space, %2B a plus, as in Go's ParseQuery")
        #expect(parameters.all("match[]") == ["x", "y"])
    }
}
