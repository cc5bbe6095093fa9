package dev.bamboo.runtime.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The chat template a Hugging Face folder ships is found where transformers looks for it. */
class ShippedTemplateTest {
    private static final String LLAMA2 = "{% for message in messages %}{% if message['role'] == 'user' %}"
            + "{{ bos_token + '[INST] ' + message['content'].strip() + ' [/INST]' }}{% else %}{{ ' ' + message['content'] + ' ' + eos_token }}{% endif %}{% endfor %}";
    private static final String CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n'}}{% endfor %}";

    private static Path demoCopy(Path dir) throws IOException {
        Path demo = TestData.model("bamboo-demo");
        for (String f : new String[] {"config.json", "tokenizer.model", "tokenizer_config.json"}) Files.copy(demo.resolve(f), dir.resolve(f));
        Files.createSymbolicLink(dir.resolve("model.safetensors"), demo.resolve("model.safetensors").toAbsolutePath());
        return dir;
    }

    private static String detected(Path dir) {
        try (Model m = Model.load(dir)) {
            return ChatTemplates.shippedWith(m).map(ChatTemplate::name).orElse("none");
        }
    }

    @Test
    void chatTemplateJinjaComesFirst(@TempDir Path dir) throws IOException {
        demoCopy(dir);
        assertEquals("none", detected(dir));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": true, \"chat_template\": " + json(CHATML) + "}");
        assertEquals("chatml", detected(dir));
        Files.writeString(dir.resolve("chat_template.jinja"), LLAMA2);
        assertEquals("llama2", detected(dir), "chat_template.jinja overrides tokenizer_config.json, as in transformers");
    }

    @Test
    void aListOfNamedTemplatesUsesTheDefault(@TempDir Path dir) throws IOException {
        demoCopy(dir);
        String list = "[{\"name\": \"tool_use\", \"template\": " + json(LLAMA2) + "}, {\"name\": \"default\", \"template\": " + json(CHATML) + "}]";
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": true, \"chat_template\": " + list + "}");
        assertEquals("chatml", detected(dir));
        Files.writeString(dir.resolve("chat_template.json"), "{\"chat_template\": " + json(LLAMA2) + "}");
        assertEquals("llama2", detected(dir));
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
