// Running sums and final statistics of a KL-divergence run, as llama-perplexity's kl_divergence() reports them.

export interface MeanWithUncertainty {
  mean: number;
  uncertainty: number;
}

export interface KldSummary {
  count: number;
  pplQ: MeanWithUncertainty;
  pplBase: MeanWithUncertainty;
  logPplRatio: MeanWithUncertainty;
  kld: MeanWithUncertainty;
  kldMax: number;
  kld99: number;
  kld999: number;
  kldMedian: number;
  rmsDeltaP: MeanWithUncertainty;
  sameTop: MeanWithUncertainty;
}

function meanAndUncertainty(sum: number, sum2: number, count: number): MeanWithUncertainty {
  if (count < 1) return { mean: 0, uncertainty: 0 };
  const mean = sum / count;
  const v = sum2 / count - mean * mean;
  return { mean, uncertainty: v > 0 && count > 10 ? Math.sqrt(v / (count - 1)) : 0 };
}

function percentile(sorted: Float32Array, fraction: number): number {
  if (fraction <= 0) return sorted[0]!;
  if (fraction >= 1) return sorted[sorted.length - 1]!;
  let p = Math.fround(fraction * (sorted.length - 1));
  const ip = Math.floor(p);
  p -= ip;
  return (1 - p) * sorted[ip]! + p * sorted[Math.min(ip + 1, sorted.length - 1)]!;
}

export class KldAccumulator {
  private sumNll = 0;
  private sumNll2 = 0;
  private sumNllBase = 0;
  private sumNllBase2 = 0;
  private sumNllNllBase = 0;
  private sumKld = 0;
  private sumKld2 = 0;
  private sumPDiff2 = 0;
  private sumPDiff4 = 0;
  private sameTop = 0;
  count = 0;
  private readonly kldValues: Float32Array;

  constructor(capacity: number) {
    this.kldValues = new Float32Array(capacity);
  }

  add(nll: number, nllBase: number, kld: number, pDiff: number, sameTop: boolean): void {
    this.sumNll += nll;
    this.sumNll2 += nll * nll;
    this.sumNllBase += nllBase;
    this.sumNllBase2 += nllBase * nllBase;
    this.sumNllNllBase += nll * nllBase;
    this.sumKld += kld;
    this.sumKld2 += kld * kld;
    const d2 = pDiff * pDiff;
    this.sumPDiff2 += d2;
    this.sumPDiff4 += d2 * d2;
    if (sameTop) this.sameTop++;
    this.kldValues[this.count++] = kld;
  }

  summary(): KldSummary {
    const n = this.count;
    const logPpl = meanAndUncertainty(this.sumNll, this.sumNll2, n);
    const logPplBase = meanAndUncertainty(this.sumNllBase, this.sumNllBase2, n);
    const cov = n < 10 ? 0 : (this.sumNllNllBase / n - (this.sumNll / n) * (this.sumNllBase / n)) / (n - 1);
    const ratio = {
      mean: logPpl.mean - logPplBase.mean,
      uncertainty: Math.sqrt(Math.max(0, logPpl.uncertainty ** 2 + logPplBase.uncertainty ** 2 - 2 * cov)),
    };
    const pplQ = Math.exp(logPpl.mean);
    const pplBase = Math.exp(logPplBase.mean);
    const mse = meanAndUncertainty(this.sumPDiff2, this.sumPDiff4, n);
    const rms = Math.sqrt(mse.mean);
    const top = n > 0 ? this.sameTop / n : 0;
    const sorted = this.kldValues.slice(0, n).sort();
    const median = n === 0 ? 0 : n % 2 === 0 ? 0.5 * (sorted[n / 2]! + sorted[n / 2 - 1]!) : sorted[(n - 1) / 2]!;
    return {
      count: n,
      pplQ: { mean: pplQ, uncertainty: pplQ * logPpl.uncertainty },
      pplBase: { mean: pplBase, uncertainty: pplBase * logPplBase.uncertainty },
      logPplRatio: ratio,
      kld: meanAndUncertainty(this.sumKld, this.sumKld2, n),
      kldMax: n ? sorted[n - 1]! : 0,
      kld99: n ? percentile(sorted, 0.99) : 0,
      kld999: n ? percentile(sorted, 0.999) : 0,
      kldMedian: median,
      rmsDeltaP: { mean: rms, uncertainty: rms > 0 ? (0.5 / rms) * mse.uncertainty : 0 },
      sameTop: { mean: top, uncertainty: n > 1 ? Math.sqrt((top * (1 - top)) / (n - 1)) : 0 },
    };
  }
}
