document.getElementById('print-report')?.addEventListener('click', () => window.print())
