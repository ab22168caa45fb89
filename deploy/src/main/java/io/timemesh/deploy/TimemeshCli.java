package io.timemesh.deploy;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar timemesh.jar COMMAND}: the one entry point of the runnable jar. */
@Command(name = "timemesh",
        mixinStandardHelpOptions = true,
        versionProvider = TimemeshCli.Version.class,
        description = "Cluster time service: samples NTP servers, selects the interval most agree on, serves bounded time.",
        subcommands = {RunCommand.class, ClusterKeyCommand.class, QueryCommand.class, OperatorViews.Sources.class, OperatorViews.Tracking.class,
            OperatorViews.Selection.class, CommandLine.HelpCommand.class})
public final class TimemeshCli implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static CommandLine commandLine() {
        return new CommandLine(new TimemeshCli());
    }

    public static void main(String[] args) {
        String[] command = withDefaultCommand(args);
        if (command[0].equals("run")) {
            JvmTuning.unlessConfigured();
        }
        System.exit(commandLine().execute(command));
    }

    /** {@code run} is the default: no arguments, or options only, mean {@code run} with them. */
    static String[] withDefaultCommand(String[] args) {
        boolean optionsOnly = args.length == 0 || (args[0].startsWith("-")
                && !List.of("-h", "--help", "-V", "--version").contains(args[0]));
        if (!optionsOnly) {
            return args;
        }
        String[] withRun = new String[args.length + 1];
        withRun[0] = "run";
        System.arraycopy(args, 0, withRun, 1, args.length);
        return withRun;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {BuildInfo.current().describe()};
        }
    }
}
