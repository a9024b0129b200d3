// Element type of the scalar variant: any length, one f32 per thread.
alias V = f32;
