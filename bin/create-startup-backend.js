#!/usr/bin/env node
import { main } from '../dist/create-startup-backend.js';

await main(process.argv.slice(2));
