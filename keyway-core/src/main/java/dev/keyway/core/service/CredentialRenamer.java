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
            case Injection.Query q -> new Injection.Query(q.param(), toValue(q.credential(), renames));
            case Injection.Substitute s -> new Injection.Substitute(s.placeholder(), toValue(s.credential(), renames), s.surfaces());
            case Injection.Hmac h -> {
                List<HeaderTemplate> out = new ArrayList<>();
                for (HeaderTemplate t : h.headers()) {
                    out.add(new HeaderTemplate(t.name(), renameInFormat(t.format(), renames)));
                }
                yield new Injection.Hmac(to(h.key(), renames), h.keyEncoding(), h.algorithm(), h.template(), h.signatureHeader(),
                        h.signatureQuery(), h.encoding(), h.timestampUnit(), h.timestampHeader(), h.timestampQuery(),
                        h.nonceHeader(), out);
            }
            case Injection.Jwt j -> {
                java.util.Map<String, String> claims = new java.util.LinkedHashMap<>();
                j.claimTemplates().forEach((name, t) -> claims.put(name, t.renameCredentials(n -> to(n, renames))));
                dev.keyway.core.sign.SignTemplate kid = j.kidTemplate();
                yield new Injection.Jwt(to(j.key(), renames), j.algorithm(),
                        kid == null ? null : kid.renameCredentials(n -> to(n, renames)), claims, j.lifetime(), j.notBefore(),
                        j.nonce());
            }
        };
    }

    private static String to(String name, Map<String, String> renames) {
        return renames.getOrDefault(name, name);
    }

    /** A query/substitute value: a credential name, or an expression in braces whose credentials are renamed. */
    private static String toValue(String spec, Map<String, String> renames) {
        if (Names.isCredentialName(spec)) {
            return to(spec, renames);
        }
        return ValueExpression.valueSpec(ValueExpression.rename(ValueExpression.parseValue(spec), n -> to(n, renames)));
    }

    private static String renameInFormat(String format, Map<String, String> renames) {
        List<ValueTemplate.Part> out = new ArrayList<>();
        for (ValueTemplate.Part p : ValueTemplate.parse(format)) {
            out.add(switch (p) {
                case ValueTemplate.Part.Literal l -> l;
                case ValueTemplate.Part.Reference(String credential) -> new ValueTemplate.Part.Reference(to(credential, renames));
                case ValueTemplate.Part.Expression(ValueExpression e) ->
                    new ValueTemplate.Part.Expression(ValueExpression.rename(e, n -> to(n, renames)));
            });
        }
        return ValueTemplate.format(out);
    }
}
