import ArgumentParser

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "render", abstract: "Write one output now.")

    func run() throws {
        throw CommandFailure.failed("feedwire render is not implemented yet")
    }
}
