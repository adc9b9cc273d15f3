# Golden values for information criteria: R's own nls, logLik, AIC and BIC (stats package).
# Run: Rscript make_nls_golden.R   (writes puromycin.csv and nls_golden.json beside this script)
# Data: R datasets::Puromycin (Treloar 1974). conc is in ppm in R; it is written here as conc_mM
# only because the fit is unit-free (the criteria do not depend on the unit).
d <- datasets::Puromycin
# nls's default tol (1e-5 relative offset) stops ~1e-6 short of the optimum; 1e-8 converges to 8+ digits.
ctl <- nls.control(tol = 1e-8, maxiter = 200)
write.csv(data.frame(conc_mM = d$conc, rate_uM_per_min = d$rate, state = as.character(d$state)),
          "puromycin.csv", row.names = FALSE, quote = FALSE)
fit1 <- function(sub, w, label, weighting) {
  m <- if (is.null(w)) nls(rate ~ Vm * conc / (K + conc), data = sub, start = list(Vm = 200, K = 0.1), control = ctl)
       else nls(rate ~ Vm * conc / (K + conc), data = sub, start = list(Vm = 200, K = 0.1), weights = w, control = ctl)
  s <- summary(m)$coefficients
  sprintf(paste0('  {"case": "%s", "state": "%s", "weighting": "%s", "n": %d,',
                 ' "vmax": %.15g, "vmax_se": %.15g, "km": %.15g, "km_se": %.15g,',
                 ' "rss_weighted": %.15g, "loglik": %.15g, "aic": %.15g, "bic": %.15g, "df": %d}'),
          label, as.character(sub$state[1]), weighting, nrow(sub), s["Vm", 1], s["Vm", 2], s["K", 1], s["K", 2],
          sum(residuals(m, type = "pearson")^2 * 0 + (sqrt(if (is.null(w)) 1 else w) * residuals(m))^2),
          as.numeric(logLik(m)), AIC(m), BIC(m), attr(logLik(m), "df"))
}
tr <- d[d$state == "treated", ]
un <- d[d$state == "untreated", ]
rows <- c(
  fit1(tr, NULL, "treated_unweighted", "none"),
  fit1(un, NULL, "untreated_unweighted", "none"),
  fit1(tr, 1 / tr$rate^2, "treated_relative", "relative"),
  fit1(un, 1 / un$rate, "untreated_poisson", "poisson")
)
writeLines(c(sprintf('{"R_version": "%s", "fits": [', R.version.string), paste(rows, collapse = ",\n"), "]}"),
           "nls_golden.json")
