#!/usr/bin/env node
import '../dist/cli/slurm-mail-main.js';
