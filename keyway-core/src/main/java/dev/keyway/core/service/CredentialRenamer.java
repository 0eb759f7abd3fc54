package dev.keyway.core.service;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Renames credential references inside an {@link Injection} (for {@link ServiceCatalog#instantiate}). */
final class CredentialRenamer {
    private CredentialRenamer() {}

    static Injection rename(Injection injection, Map<String, String> renames) {
        return switch (injection) {
            case Injection.None n -> n;
            case Injection.Bearer b -> new Injection.Bearer(to(b.credential(), renames));
            case Injection.Basic b -> new Injection.Basic(
                    b.usernameCredential() == null ? null : to(b.usernameCredential(), renames),
                    b.usernameLiteral(),
                    to(b.passwordCredential(), renames));
            case Injection.Headers h -> {
                List<HeaderTemplate> out = new ArrayList<>();
                for (HeaderTemplate t : h.headers()) {
                    out.add(new HeaderTemplate(t.name(), renameInFormat(t.format(), renames)));
                }
                yield new Injection.Headers(out);
            }
            case Injection.Query q -> new Injection.Query(q.param(), to(q.credential(), renames));
            case Injection.Substitute s -> new Injection.Substitute(s.placeholder(), to(s.credential(), renames), s.surfaces());
        };
    }

    private static String to(String name, Map<String, String> renames) {
        return renames.getOrDefault(name, name);
    }

    private static String renameInFormat(String format, Map<String, String> renames) {
        StringBuilder sb = new StringBuilder();
        for (ValueTemplate.Part p : ValueTemplate.parse(format)) {
            switch (p) {
                case ValueTemplate.Part.Literal(String text) -> sb.append(text.replace("{", "{{").replace("}", "}}"));
                case ValueTemplate.Part.Reference(String credential) ->
                    sb.append('{').append(to(credential, renames)).append('}');
            }
        }
        return sb.toString();
    }
}
