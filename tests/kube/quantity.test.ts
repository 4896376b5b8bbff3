import { strict as assert } from "node:assert";
import { GiB, formatGiB, parseByteQuantity, parseQuantity, requireQuantity } from "@llm-platform/kube";

// Grammar: k8s.io/apimachinery/pkg/api/resource Quantity (suffixes: binarySI Ki..Ei, decimalSI m, k..E).
describe("Kubernetes quantities as numbers", () => {
  it("scales every suffix by its own factor", () => {
    const expected: [string, number][] = [
      ["3", 3],
      ["3m", 0.003],
      ["3k", 3000],
      ["3M", 3_000_000],
      ["3G", 3_000_000_000],
      ["3T", 3e12],
      ["3P", 3e15],
      ["3E", 3e18],
      ["3Ki", 3 * 1024],
      ["3Mi", 3 * 1024 * 1024],
      ["3Gi", 3 * 1024 * 1024 * 1024],
      ["3Ti", 3 * 1024 ** 4],
      ["3Pi", 3 * 1024 ** 5],
      ["3Ei", 3 * 1024 ** 6],
    ];
    for (const [text, value] of expected) assert.equal(parseQuantity(text), value, text);
    assert.equal(GiB, 1024 * 1024 * 1024);
  });

  it("reads decimals, a leading '+', a leading '.', and surrounding blanks", () => {
    assert.equal(parseQuantity("1.5"), 1.5);
    assert.equal(parseQuantity("500m"), 0.5);
    assert.equal(parseQuantity("1.25Gi"), 1.25 * 1024 ** 3);
    assert.equal(parseQuantity(".5"), 0.5);
    assert.equal(parseQuantity(".25Gi"), 0.25 * 1024 ** 3, "several fraction digits after a leading '.'");
    assert.equal(parseQuantity("+.5"), 0.5);
    assert.equal(parseQuantity("+2"), 2);
    assert.equal(parseQuantity("128974848"), 128974848);
    assert.equal(parseQuantity("  8Gi \n"), 8 * 1024 ** 3);
    assert.equal(parseQuantity("12"), 12, "two digits");
    assert.equal(parseQuantity("0.75"), 0.75, "two fraction digits");
  });

  it("refuses what is not a quantity: signs, units, missing digits, text around it", () => {
    for (const bad of ["", "-1", "1.", ".", "+", "Gi", "8GiB", "8gi", "8 Gi", "8Gi8", "x8Gi", "8Gix", "1.2.3", "1,5", "0x10", "8Gi 8", "abc"]) {
      assert.equal(parseQuantity(bad), undefined, JSON.stringify(bad));
    }
  });

  it("passes finite non-negative numbers through and refuses the rest", () => {
    assert.equal(parseQuantity(0), 0);
    assert.equal(parseQuantity(2.5), 2.5);
    assert.equal(parseQuantity(-0.001), undefined);
    assert.equal(parseQuantity(Number.NaN), undefined);
    assert.equal(parseQuantity(Number.POSITIVE_INFINITY), undefined);
  });

  it("wants whole bytes for memory and storage", () => {
    assert.equal(parseByteQuantity("16Gi"), 16 * 1024 ** 3);
    assert.equal(parseByteQuantity("1.5Ki"), 1536, "1.5 × 1024 is a whole number of bytes");
    assert.equal(parseByteQuantity(1024), 1024);
    assert.equal(parseByteQuantity("500m"), undefined, "milli-bytes are a mistake");
    assert.equal(parseByteQuantity(" 500m "), undefined, "also with blanks around it");
    // 1000m is one whole byte by value, but a milli suffix on bytes is a mistake all the same.
    assert.equal(parseQuantity("1000m"), 1);
    assert.equal(parseByteQuantity("1000m"), undefined);
    assert.equal(parseByteQuantity(" 2000m "), undefined);
    assert.equal(parseByteQuantity("1.5"), undefined, "half a byte");
    assert.equal(parseByteQuantity("0.1Ki"), undefined, "102.4 bytes");
    assert.equal(parseByteQuantity(1.001), undefined);
    // Binary fractions of decimal input may be off by float noise; anything within 0.0005 of a whole byte counts as whole.
    assert.equal(parseByteQuantity("1.0004"), 1.0004);
    assert.equal(parseByteQuantity("16GB"), undefined, "not a Kubernetes suffix");
    assert.equal(parseByteQuantity("-1Gi"), undefined);
    assert.equal(parseByteQuantity(-1024), undefined);
  });

  it("names the field and the value it cannot read", () => {
    assert.equal(requireQuantity("2Gi", "resources.memory"), 2 * 1024 ** 3);
    assert.equal(requireQuantity(0, "x"), 0);
    assert.throws(
      () => requireQuantity("2 GB", "resources.memory"),
      (e: unknown) => e instanceof Error && e.message === 'resources.memory: "2 GB" is not a Kubernetes quantity',
    );
  });

  it("formats bytes as GiB with one decimal by default", () => {
    assert.equal(formatGiB(1.25 * GiB), "1.3 GiB");
    assert.equal(formatGiB(1.25 * GiB, 2), "1.25 GiB");
    assert.equal(formatGiB(3 * GiB, 0), "3 GiB");
    assert.equal(formatGiB(512 * 1024 * 1024), "0.5 GiB");
  });
});
