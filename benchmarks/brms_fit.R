# brms fit of the benchmark's data (called by benchmarks/peers.py; not meant to be run by hand).
#
#   Rscript brms_fit.R DATA.csv OUT_DIR DRAWS TUNE CHAINS SEED CORES FORMULA
#
# Cold: the first brm() call of a fresh R session (Stan's C++ compile included). Warm: the same
# model refitted with update(recompile = FALSE) (sampling and brms's data preparation only).
# Writes OUT_DIR/timings.json and OUT_DIR/draws_cold.csv, OUT_DIR/draws_warm.csv (the
# treatment coefficients, the residual SD and the random-effect SDs, with .chain/.iteration).
args <- commandArgs(trailingOnly = TRUE)
data_path <- args[[1]]
out_dir <- args[[2]]
draws <- as.integer(args[[3]])
tune <- as.integer(args[[4]])
chains <- as.integer(args[[5]])
seed <- as.integer(args[[6]])
cores <- as.integer(args[[7]])
formula <- args[[8]]

suppressPackageStartupMessages(library(brms))
d <- read.csv(data_path, stringsAsFactors = FALSE)
levels_treatment <- strsplit(readLines(file.path(out_dir, "treatments.txt")), ",")[[1]]
d$treatment <- factor(d$treatment, levels = levels_treatment)
d$period <- factor(d$period)
d$subject <- factor(d$subject)

keep <- function(fit) {
  x <- as_draws_df(fit)
  cols <- grep("^(b_treatment|sd_|sigma$)", names(x), value = TRUE)
  out <- as.data.frame(x)[, c(cols, ".chain", ".iteration")]
  out
}

t0 <- Sys.time()
fit <- brm(
  as.formula(formula), data = d, family = gaussian(),
  chains = chains, iter = draws + tune, warmup = tune, cores = cores, seed = seed,
  refresh = 0, silent = 2
)
cold_s <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
write.csv(keep(fit), file.path(out_dir, "draws_cold.csv"), row.names = FALSE)
cold_sampling <- rstan::get_elapsed_time(fit$fit)

t0 <- Sys.time()
warm <- update(fit, recompile = FALSE, seed = seed + 1L, refresh = 0, silent = 2)
warm_s <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
write.csv(keep(warm), file.path(out_dir, "draws_warm.csv"), row.names = FALSE)
warm_sampling <- rstan::get_elapsed_time(warm$fit)

divergent <- function(f) {
  np <- nuts_params(f)
  sum(np$Value[np$Parameter == "divergent__"])
}
json <- sprintf(
  paste0(
    '{"cold_s": %.4f, "warm_s": %.4f, "cold_chain_s": %.4f, "warm_chain_s": %.4f,',
    ' "cold_chains_total_s": %.4f, "warm_chains_total_s": %.4f,',
    ' "cold_divergences": %d, "warm_divergences": %d, "brms": "%s", "rstan": "%s",',
    ' "r": "%s"}'
  ),
  cold_s, warm_s, max(rowSums(cold_sampling)), max(rowSums(warm_sampling)),
  sum(cold_sampling), sum(warm_sampling),
  as.integer(divergent(fit)), as.integer(divergent(warm)),
  as.character(packageVersion("brms")), as.character(packageVersion("rstan")),
  paste(R.version$major, R.version$minor, sep = ".")
)
writeLines(json, file.path(out_dir, "timings.json"))
