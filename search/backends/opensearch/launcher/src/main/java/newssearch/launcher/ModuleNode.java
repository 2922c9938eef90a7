package newssearch.launcher;

import java.util.Collection;

import org.opensearch.env.Environment;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;

/**
 * An OpenSearch node whose modules are plugin classes on the class path.
 *
 * <p>A distribution loads its modules from folders of jars with descriptors; this project has
 * only the Maven jars, so the module classes are handed to Node's protected constructor (the
 * way OpenSearch's own test framework starts nodes). Node's bootstrap checks belong to the
 * distribution's Bootstrap class, which is not used, so the node also runs as root.
 *
 * <p>Unlike the test framework's MockNode, this keeps Node's configureNodeAndClusterIdStateListener:
 * MockNode skips it because several nodes share one JVM there and the listener sets a static
 * SetOnce; here each JVM holds exactly one node, so the node and cluster ids reach the log context.
 */
final class ModuleNode extends Node {

    ModuleNode(Environment environment, Collection<Class<? extends Plugin>> modules) {
        // true: forbid private index settings, as a distribution's node does
        super(environment, modules, true);
    }
}
