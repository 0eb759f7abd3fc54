package dev.keyway.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.json.JsonMapper;

/** What the streaming read of a record's indexed fields yields, per kind of line. */
class IndexedFieldsTest {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # line                                                                                                   | ts                   | type  | vault | actor | action
            {"seq":1,"ts":"2026-12-07T10:00:00Z","type":"proxy","vault":"v","actor":"a1","action":"inject","x":1}   | 2026-12-07T10:00:00Z | proxy | v     | a1    | inject
            {"seq":2,"type":"admin","headers":{"type":"nested","actor":"no"},"list":[{"vault":"no"}],"actor":"a2"}  | -                    | admin | -     | a2    | -
            {"seq":3,"type":7,"vault":null,"actor":["a"],"action":{"k":"v"},"ts":"t"}                               | t                    | -     | -     | -     | -
            {"seq":4,"type":"late","type":"last"}                                                                   | -                    | last  | -     | -     | -
            {"seq":5,"type":"proxy"                                                                                 | -                    | -     | -     | -     | -
            {"seq":6,"type":"proxy"} trailing                                                                       | -                    | -     | -     | -     | -
            {"ts":"t","type":"p","vault":"v","actor":"a","action":"x","rest":                                      | t                    | p     | v     | a     | x
            [1,2,3]                                                                                                  | -                    | -     | -     | -     | -
            not json                                                                                                 | -                    | -     | -     | -     | -
            {"seq":9,"actor":"caf\\u00e9 \\"q\\""}                                                                   | -                    | -     | -     | café "q" | -
            """)
    void readsTheTopLevelStringFieldsOnly(String line, String ts, String type, String vault, String actor, String action) {
        IndexedFields f = IndexedFields.of(MAPPER, line.getBytes(StandardCharsets.UTF_8));
        assertThat(f).isEqualTo(new IndexedFields(ts, type, vault, actor, action));
    }
}
