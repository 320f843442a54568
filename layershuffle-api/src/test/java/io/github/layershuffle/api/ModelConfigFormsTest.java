package io.github.layershuffle.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** The config fields that choose between the authors' form of a method and this library's earlier form. */
class ModelConfigFormsTest {

    @Test
    void defaultsAreTheAuthorsForms() {
        ModelConfig config = ModelConfig.builder().build();
        assertThat(config.slotTable()).isEqualTo(SlotTable.SHARED);
        assertThat(config.predictLossReduction()).isEqualTo(LossReduction.MEAN);
    }

    @Test
    void bothFormsRoundTripThroughJson() {
        for (SlotTable table : SlotTable.values()) {
            for (LossReduction reduction : LossReduction.values()) {
                ModelConfig config = ModelConfig.builder().variant(Variant.LAYERSHUFFLE_POSITION).slotTable(table)
                        .predictLossReduction(reduction).build();
                ObjectNode json = config.toJsonNode();
                assertThat(json.get("slotTable").asText()).isEqualTo(table.id());
                assertThat(json.get("predictLossReduction").asText()).isEqualTo(reduction.id());
                ModelConfig back = ModelConfig.fromJson(config.toJson());
                assertThat(back).isEqualTo(config);
                assertThat(back.toBuilder().build()).isEqualTo(config);
            }
        }
        assertThat(SlotTable.fromId("PER_BLOCK")).isEqualTo(SlotTable.PER_BLOCK);
        assertThat(LossReduction.fromId(" Sum ")).isEqualTo(LossReduction.SUM);
    }

    @Test
    void aConfigWithoutTheFieldsReadsAsTheDefaults() {
        ObjectNode json = ModelConfig.builder().slotTable(SlotTable.PER_BLOCK).predictLossReduction(LossReduction.SUM)
                .build().toJsonNode();
        json.remove("slotTable");
        json.remove("predictLossReduction");
        ModelConfig read = ModelConfig.fromJsonNode(json);
        assertThat(read.slotTable()).isEqualTo(SlotTable.SHARED);
        assertThat(read.predictLossReduction()).isEqualTo(LossReduction.MEAN);
    }

    @Test
    void badValuesNameTheFieldAndTheChoices() {
        ObjectNode json = ModelConfig.builder().build().toJsonNode();
        json.put("slotTable", "per-slot");
        assertThatThrownBy(() -> ModelConfig.fromJsonNode(json)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("'slotTable'").hasMessageContaining("per-slot")
                .hasMessageContaining("shared").hasMessageContaining("per-block");
        json.put("slotTable", "shared");
        json.put("predictLossReduction", 12);
        assertThatThrownBy(() -> ModelConfig.fromJsonNode(json)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("'predictLossReduction' must be a string");
        json.put("predictLossReduction", "max");
        assertThatThrownBy(() -> ModelConfig.fromJsonNode(json)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("'predictLossReduction'").hasMessageContaining("[mean, sum]");
        assertThatThrownBy(() -> ModelConfig.builder().slotTable(null).build())
                .isInstanceOf(NullPointerException.class).hasMessageContaining("slotTable");
    }
}
