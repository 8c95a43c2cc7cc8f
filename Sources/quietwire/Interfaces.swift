import ArgumentParser
import Capture
import Outputs

struct Interfaces: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the interfaces libpcap can open for live capture, with their state and addresses.")

    func run() throws {
        let list: [NetworkInterface]
        do {
            list = try NetworkInterface.all()
        } catch {
            StandardError.write("quietwire: \(error)")
            throw ExitCode(1)
        }
        if list.isEmpty {
            StandardError.write("quietwire: libpcap found no interfaces; live capture usually needs root or CAP_NET_RAW")
        }
        for i in list {
            var flags: [String] = []
            if i.isUp { flags.append("up") }
            if i.isRunning { flags.append("running") }
            if i.isLoopback { flags.append("loopback") }
            var line = i.name + "\t" + (flags.isEmpty ? "-" : flags.joined(separator: ","))
            line += "\t" + (i.addresses.isEmpty ? "-" : i.addresses.map(\.description).joined(separator: " "))
            if let d = i.description { line += "\t" + d }
            print(line)
        }
    }
}
