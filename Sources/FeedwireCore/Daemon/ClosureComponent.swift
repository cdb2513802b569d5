/// A `DaemonComponent` made from a shutdown closure, for parts that have no
/// class of their own to conform (the HTTP engine, the store).
public final class ClosureComponent: DaemonComponent, @unchecked Sendable {
    public let componentName: String
    private let body: @Sendable (Double, @escaping @Sendable () -> Void) -> Void

    /// `body(deadline, completion)` must call `completion` exactly once.
    public init(_ name: String, shutdown body: @escaping @Sendable (Double, @escaping @Sendable () -> Void) -> Void) {
        componentName = name
        self.body = body
    }

    /// A component whose shutdown is one synchronous call.
    public convenience init(_ name: String, run: @escaping @Sendable () -> Void) {
        self.init(name) { _, completion in
            run()
            completion()
        }
    }

    public func shutdown(deadline: Double, completion: @escaping @Sendable () -> Void) {
        body(deadline, completion)
    }
}
