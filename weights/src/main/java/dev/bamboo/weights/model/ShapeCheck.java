package dev.bamboo.weights.model;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.tensor.Tensor;

/** Checks that a loaded tensor has the shape the model's hyper-parameters require. */
public record ShapeCheck(String source) {

    public Tensor matrix(Tensor t, long rows, long cols) {
        if (t.rows() != rows || t.cols() != cols) {
            throw new BambooException(source + ": tensor " + t.name() + " has shape [" + t.rows() + " x " + t.cols() + "], expected [" + rows + " x " + cols
                    + "] from the model's configuration; the weights do not belong to this configuration");
        }
        return t;
    }

    public Tensor vector(Tensor t, long length) {
        if (t.size() != length) {
            throw new BambooException(source + ": tensor " + t.name() + " has " + t.size() + " values, expected " + length
                    + " from the model's configuration; the weights do not belong to this configuration");
        }
        return t;
    }
}
