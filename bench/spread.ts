/** How far repeated measurements of one figure agree: their mean and a 95% confidence interval. */
export interface Spread {
  mean: number;
  /** Half the width of the 95% confidence interval of the mean (Student's t); NaN with one value. */
  halfWidth: number;
  values: number[];
}

/** Student's t, two-sided 95%, by degrees of freedom (1 to 10; 1.96 beyond). */
const T95 = [Number.NaN, 12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23];

export function spread(values: number[]): Spread {
  const n = values.length;
  const mean = values.reduce((sum, v) => sum + v, 0) / n;
  if (n < 2) return { mean, halfWidth: Number.NaN, values };
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1);
  const t = T95[n - 1] ?? 1.96;
  return { mean, halfWidth: t * Math.sqrt(variance / n), values };
}
