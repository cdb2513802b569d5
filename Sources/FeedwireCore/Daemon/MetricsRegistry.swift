import Synchronization

/// A small thread-safe metrics registry that renders the Prometheus text
/// exposition format 0.0.4 (prometheus.io/docs/instrumenting/exposition_formats).
///
/// Counters, gauges and a "histogram-lite" (fixed buckets, sum, count), each
/// with labels. Every update takes one uncontended lock and a dictionary
/// lookup, so any queue can update it cheaply; rendering happens only when
/// someone scrapes `/metrics`. Written by hand instead of swift-prometheus
/// (DEVELOPERS.md: three transitive packages for ~200 lines of text).
public final class MetricsRegistry: Sendable {
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    /// Label pairs in a canonical (sorted) order.
    public struct Labels: Hashable, Sendable, Comparable {
        public let pairs: [Pair]

        public struct Pair: Hashable, Sendable {
            public let name: String
            public let value: String
        }

        public init(_ labels: [String: String]) {
            pairs = labels.keys.sorted().map { Pair(name: $0, value: labels[$0]!) }
        }

        public static func < (a: Labels, b: Labels) -> Bool {
            for (x, y) in zip(a.pairs, b.pairs) {
                if x.name != y.name { return x.name < y.name }
                if x.value != y.value { return x.value < y.value }
            }
            return a.pairs.count < b.pairs.count
        }

        public func value(of name: String) -> String? { pairs.first { $0.name == name }?.value }
    }

    private struct Series {
        var value: Double = 0
        var buckets: [UInt64] = []
        var sum: Double = 0
        var count: UInt64 = 0

        mutating func record(_ value: Double, bucket: Int?) {
            if let bucket { buckets[bucket] += 1 }
            sum += value
            count += 1
        }
    }

    private struct Family {
        var name: String
        var help: String
        var kind: Kind
        var bounds: [Double]
        var series: [Labels: Series] = [:]
    }

    private struct State {
        var order: [String] = []
        var families: [String: Family] = [:]
        var collectors: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Declares a metric family once (later declarations of the same name are ignored).
    /// `buckets` are the histogram's upper bounds, ascending; `+Inf` is implicit.
    public func declare(_ name: String, _ kind: Kind, help: String, buckets: [Double] = []) {
        state.withLock { s in
            guard s.families[name] == nil else { return }
            s.order.append(name)
            s.families[name] = Family(name: name, help: help, kind: kind, bounds: buckets.sorted())
        }
    }

    /// Runs just before each render, e.g. to read `/proc/self/statm`.
    public func addCollector(_ collect: @escaping @Sendable () -> Void) {
        state.withLock { $0.collectors.append(collect) }
    }

    /// Adds to a counter (negative deltas are ignored: counters only go up).
    public func increment(_ name: String, _ labels: [String: String] = [:], by delta: Double = 1) {
        guard delta >= 0 else { return }
        update(name, labels) { $0.value += delta }
    }

    /// Sets a gauge.
    public func set(_ name: String, _ labels: [String: String] = [:], to value: Double) {
        update(name, labels) { $0.value = value }
    }

    /// Records one observation in a histogram.
    public func observe(_ name: String, _ labels: [String: String] = [:], _ value: Double) {
        state.withLock { s in
            // Mutate in place: copying the family out would copy its whole series
            // dictionary (10,000 feeds) on every update.
            guard let bounds = s.families[name]?.bounds, s.families[name]?.kind == .histogram else { return }
            let key = Labels(labels)
            let i = bounds.firstIndex { value <= $0 }
            let empty = Series(buckets: Array(repeating: 0, count: bounds.count))
            s.families[name]!.series[key, default: empty].record(value, bucket: i)
        }
    }

    /// Drops every series with this label value (a feed removed on reload).
    public func removeSeries(label: String, value: String) {
        state.withLock { s in
            for name in s.order where s.families[name]?.series.keys.contains(where: { $0.value(of: label) == value }) == true {
                s.families[name]!.series = s.families[name]!.series.filter { $0.key.value(of: label) != value }
            }
        }
    }

    /// Current value of a counter or gauge series (tests, status).
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        state.withLock { $0.families[name]?.series[Labels(labels)]?.value }
    }

    /// Observation count of a histogram series.
    public func observationCount(_ name: String, _ labels: [String: String] = [:]) -> UInt64? {
        state.withLock { $0.families[name]?.series[Labels(labels)]?.count }
    }

    /// The text exposition, families in declaration order, series sorted by labels.
    public func render() -> String {
        let collectors = state.withLock { $0.collectors }
        for c in collectors { c() }
        return state.withLock { s in
            var out = ""
            out.reserveCapacity(4096)
            for name in s.order {
                guard let family = s.families[name], !family.series.isEmpty else { continue }
                out += "# HELP \(name) \(MetricsRegistry.escapeHelp(family.help))\n"
                out += "# TYPE \(name) \(family.kind.rawValue)\n"
                for key in family.series.keys.sorted() {
                    let series = family.series[key]!
                    switch family.kind {
                    case .counter, .gauge:
                        out += name + MetricsRegistry.labelText(key.pairs) + " " + MetricsRegistry.number(series.value) + "\n"
                    case .histogram:
                        var cumulative: UInt64 = 0
                        for (i, bound) in family.bounds.enumerated() {
                            cumulative += series.buckets[i]
                            let pairs = key.pairs + [Labels.Pair(name: "le", value: MetricsRegistry.number(bound))]
                            out += name + "_bucket" + MetricsRegistry.labelText(pairs) + " \(cumulative)\n"
                        }
                        let inf = key.pairs + [Labels.Pair(name: "le", value: "+Inf")]
                        out += name + "_bucket" + MetricsRegistry.labelText(inf) + " \(series.count)\n"
                        out += name + "_sum" + MetricsRegistry.labelText(key.pairs) + " " + MetricsRegistry.number(series.sum) + "\n"
                        out += name + "_count" + MetricsRegistry.labelText(key.pairs) + " \(series.count)\n"
                    }
                }
            }
            return out
        }
    }

    private func update(_ name: String, _ labels: [String: String], _ change: (inout Series) -> Void) {
        state.withLock { s in
            guard let kind = s.families[name]?.kind, kind != .histogram else { return }
            change(&s.families[name]!.series[Labels(labels), default: Series()])
        }
    }

    // MARK: - Text format

    /// `{a="x",b="y"}`, or nothing without labels. Values escape `\`, `"` and newline.
    static func labelText(_ pairs: [Labels.Pair]) -> String {
        guard !pairs.isEmpty else { return "" }
        return "{" + pairs.map { "\($0.name)=\"\(escapeLabel($0.value))\"" }.joined(separator: ",") + "}"
    }

    static func escapeLabel(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    static func escapeHelp(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    /// Integers without a fraction; `+Inf`, `-Inf`, `NaN` as the format spells them.
    static func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 9_007_199_254_740_992 { return String(Int64(v)) }
        return "\(v)"
    }
}
