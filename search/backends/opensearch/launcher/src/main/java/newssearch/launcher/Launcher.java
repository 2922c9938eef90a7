package newssearch.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configurator;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;

/**
 * Starts one OpenSearch node in this JVM and keeps it running until the JVM is told to stop.
 *
 * <p>Usage: {@code Launcher NODE_HOME MODULE_CLASS...}. NODE_HOME holds config/opensearch.yml
 * (written by cluster.py: ports, paths, discovery); the module classes are the plugins the node
 * loads. A class that is not on the class path is reported on stderr and skipped; cluster.py
 * then refuses the cluster after reading {@code _nodes/plugins}, which is the one check that
 * counts. SIGTERM closes the node cleanly (shutdown hook); SIGKILL is the fault tests' crash.
 */
public final class Launcher {

    private static final String LOG_CONFIG = "log4j2.properties";
    private static final long CLOSE_SECONDS = 30;

    private Launcher() {
    }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: Launcher NODE_HOME MODULE_CLASS...");
            System.exit(64);
        }
        try {
            run(Paths.get(args[0]).toAbsolutePath(), Arrays.asList(args).subList(1, args.length));
        } catch (Throwable error) {
            System.err.println("launcher: the node did not start: " + error);
            error.printStackTrace();
            System.exit(1);
        }
    }

    /** Configures logging, starts the node, and blocks until the shutdown hook has closed it. */
    private static void run(Path home, List<String> moduleNames) throws Exception {
        Environment environment = environment(home);
        configureLogging(environment);
        // Empty: every module comes from the class path, none from a folder of jars.
        Files.createDirectories(environment.modulesFile());
        Files.createDirectories(environment.pluginsFile());
        Node node = new ModuleNode(environment, loadModules(moduleNames));
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> closeNode(node, closed), "node-shutdown"));
        node.start();
        // OpenSearch's threads are daemons: this (non-daemon) thread keeps the JVM alive.
        closed.await();
    }

    /** The node's environment from NODE_HOME/config/opensearch.yml, as a distribution reads it. */
    private static Environment environment(Path home) {
        Settings initial = Settings.builder().put("path.home", home.toString()).build();
        return InternalSettingsPreparer.prepareEnvironment(initial, Map.of(), home.resolve("config"), () -> "node");
    }

    /** OpenSearch's own log setup (it sets the opensearch.logs.* properties our file uses). */
    private static void configureLogging(Environment environment) throws Exception {
        Path target = environment.configFile().resolve(LOG_CONFIG);
        try (InputStream source = Launcher.class.getResourceAsStream("/" + LOG_CONFIG)) {
            if (source == null) {
                throw new IOException(LOG_CONFIG + " is missing from the launcher's class path");
            }
            Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
        LogConfigurator.registerErrorListener();
        LogConfigurator.configure(environment);
    }

    /** The module classes that resolve; each one that does not is named on stderr. */
    private static List<Class<? extends Plugin>> loadModules(List<String> names) {
        List<Class<? extends Plugin>> modules = new ArrayList<>();
        for (String name : names) {
            try {
                modules.add(Class.forName(name).asSubclass(Plugin.class));
            } catch (ClassNotFoundException | NoClassDefFoundError | ClassCastException error) {
                System.err.println("launcher: module " + name + " skipped: " + error);
            }
        }
        return modules;
    }

    /** Closes the node (flushing shards and leaving the cluster), then log4j, then lets main return. */
    private static void closeNode(Node node, CountDownLatch closed) {
        try {
            node.close();
            node.awaitClose(CLOSE_SECONDS, TimeUnit.SECONDS);
        } catch (Exception error) {
            System.err.println("launcher: closing the node failed: " + error);
        } finally {
            Configurator.shutdown((LoggerContext) LogManager.getContext(false));
            closed.countDown();
        }
    }
}
