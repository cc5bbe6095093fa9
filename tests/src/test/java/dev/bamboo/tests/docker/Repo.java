package dev.bamboo.tests.docker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** The repository the images are built from: its root, its files, and what its poms say. */
record Repo(Path root) {

    static Repo locate() {
        return new Repo(dev.bamboo.tests.Cli.root());
    }

    String read(String relative) {
        try {
            return Files.readString(root.resolve(relative));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + relative + ": " + e.getMessage(), e);
        }
    }

    boolean exists(String relative) {
        return Files.exists(root.resolve(relative));
    }

    /** Every regular file at or below the path, relative to the root with '/' separators. */
    List<String> filesUnder(String relative) {
        try (Stream<Path> s = Files.walk(root.resolve(relative))) {
            return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/')).toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + relative + ": " + e.getMessage(), e);
        }
    }

    Pom pom(String moduleDir) {
        return new Pom(moduleDir, parse(moduleDir.isEmpty() ? "pom.xml" : moduleDir + "/pom.xml"));
    }

    private Document parse(String relative) {
        try {
            var factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return factory.newDocumentBuilder().parse(root.resolve(relative).toFile());
        } catch (Exception e) {
            throw new IllegalStateException("cannot parse " + relative + ": " + e.getMessage(), e);
        }
    }

    /** The few facts of a pom.xml the images depend on. */
    record Pom(String dir, Document doc) {

        String artifactId() {
            return child(doc.getDocumentElement(), "artifactId").orElseThrow();
        }

        String version() {
            return child(doc.getDocumentElement(), "version").orElseThrow();
        }

        /** Text of the first element with this name anywhere in the pom (e.g. finalName, mainClass). */
        Optional<String> first(String tag) {
            NodeList nodes = doc.getElementsByTagName(tag);
            return nodes.getLength() == 0 ? Optional.empty() : Optional.of(nodes.item(0).getTextContent().strip());
        }

        /** The modules of the default build, plus those of the named profiles. */
        List<String> modules(List<String> profiles) {
            List<String> modules = new ArrayList<>();
            Element project = doc.getDocumentElement();
            childElement(project, "modules").ifPresent(m -> modules.addAll(texts(m, "module")));
            childElement(project, "profiles").ifPresent(ps -> {
                for (Element p : elements(ps, "profile")) {
                    if (profiles.contains(child(p, "id").orElse(""))) childElement(p, "modules").ifPresent(m -> modules.addAll(texts(m, "module")));
                }
            });
            return modules;
        }

        /** artifactIds of this pom's direct dependencies in the given groupId. */
        List<String> dependenciesIn(String groupId) {
            List<String> ids = new ArrayList<>();
            childElement(doc.getDocumentElement(), "dependencies").ifPresent(ds -> {
                for (Element d : elements(ds, "dependency")) {
                    if (groupId.equals(child(d, "groupId").orElse(""))) ids.add(child(d, "artifactId").orElseThrow());
                }
            });
            return ids;
        }

        private static Optional<String> child(Element parent, String name) {
            return childElement(parent, name).map(e -> e.getTextContent().strip());
        }

        private static Optional<Element> childElement(Element parent, String name) {
            return elements(parent, name).stream().findFirst();
        }

        private static List<Element> elements(Element parent, String name) {
            List<Element> out = new ArrayList<>();
            for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && e.getTagName().equals(name)) out.add(e);
            }
            return out;
        }

        private static List<String> texts(Element parent, String name) {
            return elements(parent, name).stream().map(e -> e.getTextContent().strip()).toList();
        }
    }
}
